// Steps 5b-6 of the pipeline: the application's `validate`, then the denylist, last, so only verified and
// otherwise valid tokens ever cost a store lookup (a forged token never reaches the store).
import { InvalidTokenError, UnavailableError, isJwtGuardError } from '../errors.js';
import type { CompiledOptions } from '../options.js';
import type { AuthResult, RequestContext } from '../types.js';

/** Resolves `then` once both passed: the caller's value, so the pipeline awaits one promise, not two. */
export async function applyHooks<T>(
  compiled: CompiledOptions,
  context: RequestContext,
  result: AuthResult,
  then: T,
): Promise<T> {
  if (compiled.validate) {
    try {
      await compiled.validate(result, context);
    } catch (error) {
      if (isJwtGuardError(error)) throw error;
      // The hook's own message may carry internals; the client gets a fixed description.
      throw new InvalidTokenError('ERR_JWT_VALIDATION_FAILED', 'Token failed validation', { cause: error });
    }
  }
  if (compiled.denylist && (await isDenied(compiled, result))) {
    throw new InvalidTokenError('ERR_JWT_REVOKED', 'Token has been revoked');
  }
  return then;
}

async function isDenied(compiled: CompiledOptions, result: AuthResult): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const answer = compiled.denylist?.(result);
    // A store that answers synchronously (a local replica) costs no timer and no race.
    if (typeof answer === 'boolean') return answer;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${compiled.denylistTimeoutMs} ms`)),
        compiled.denylistTimeoutMs,
      );
    });
    return (await Promise.race([answer, timeout])) === true;
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'denylist failed';
    compiled.emit({ type: 'denylist.unavailable', reason });
    // Fail closed by default: a revoked token must not pass because the store is down.
    if (compiled.denylistFailure === 'open') return false;
    throw new UnavailableError('ERR_DENYLIST_UNAVAILABLE', 'Token revocation status is unavailable', 5, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}
