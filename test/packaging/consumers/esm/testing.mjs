import { createTestIssuer } from '@jwtguard/testing';
import helpers from '../sign.cjs';

helpers.assert(typeof createTestIssuer === 'function', 'createTestIssuer is exported');
console.log('ok testing');
