import assert from 'node:assert/strict';
import { test } from 'node:test';

import { power } from '../src/power.js';

test('power', () => {
  assert.equal(power(2, 10), 1024);
  assert.equal(power(7, 0), 1);
});
