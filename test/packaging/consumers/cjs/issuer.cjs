const issuer = require('@jwtguard/issuer');
const { assert } = require('../sign.cjs');

assert(typeof issuer.createIssuer === 'function', 'createIssuer is exported');
console.log('ok issuer');
