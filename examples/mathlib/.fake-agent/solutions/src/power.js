import { multiply } from './multiply.js';

export function power(base, exp) {
  let result = 1;
  for (let i = 0; i < exp; i++) result = multiply(result, base);
  return result;
}
