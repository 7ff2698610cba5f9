const testing = require('@jwtguard/testing');
const { assert } = require('../sign.cjs');

assert(typeof testing.createTestIssuer === 'function', 'createTestIssuer is exported');
console.log('ok testing');
