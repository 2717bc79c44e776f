export { add } from './add.js';
export { multiply } from './multiply.js';
export { power } from './power.js';
export { mean } from './mean.js';
