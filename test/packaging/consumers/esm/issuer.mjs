import { createIssuer } from '@jwtguard/issuer';
import helpers from '../sign.cjs';

helpers.assert(typeof createIssuer === 'function', 'createIssuer is exported');
console.log('ok issuer');
