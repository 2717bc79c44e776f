import assert from 'node:assert/strict';
import { test } from 'node:test';

import { mean } from '../src/mean.js';

test('mean', () => {
  assert.equal(mean([1, 2, 3, 4]), 2.5);
  assert.ok(Number.isNaN(mean([])));
});
