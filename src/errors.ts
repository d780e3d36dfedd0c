/**
 * Errors a user can act on. Every module throws one of these (or a subclass) for expected
 * failures; the CLI prints `message` on one line and exits with the code for `kind`.
 * Anything else reaching the top level is a bug (exit 1, stack only with --verbose).
 */
export type ErrorKind =
  | 'bad_input' // malformed request, flag, plan file, policy, spec
  | 'config' // missing/invalid configuration or credentials
  | 'unavailable' // manager unreachable, timed out, or answering garbage
  | 'api' // the manager answered with an error
  | 'refused' // policy denied
  | 'execution'; // a step failed while executing an approved plan

export class BaiError extends Error {
  override name = 'BaiError';
  constructor(
    message: string,
    readonly kind: ErrorKind,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Exit codes, documented in README and `--help`. Scripts branch on these. */
export const ExitCode = {
  OK: 0,
  INTERNAL: 1,
  BAD_INPUT: 2,
  REFUSED: 3,
  NEEDS_CLARIFICATION: 4,
  DECLINED: 5,
  CONFIRMATION_REQUIRED: 6,
  EXECUTION_FAILED: 7,
  MANAGER_UNAVAILABLE: 8,
  PLAN_HAS_WRITES: 10,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export function exitCodeForError(err: unknown): ExitCode {
  if (!(err instanceof BaiError)) return ExitCode.INTERNAL;
  switch (err.kind) {
    case 'bad_input':
    case 'config':
      return ExitCode.BAD_INPUT;
    case 'unavailable':
      return ExitCode.MANAGER_UNAVAILABLE;
    case 'refused':
      return ExitCode.REFUSED;
    case 'api':
      // rejected credentials or clock (401, invalid-auth-params) are configuration, not a failed step
      return isCredentialRejection(err) ? ExitCode.BAD_INPUT : ExitCode.EXECUTION_FAILED;
    case 'execution':
      return ExitCode.EXECUTION_FAILED;
  }
}

/** The manager refused who we are (or our clock), as BackendApiError carries it (status/type). */
export function isCredentialRejection(err: unknown): boolean {
  if (!(err instanceof BaiError)) return false;
  const { status, type } = err as BaiError & { status?: unknown; type?: unknown };
  return status === 401 || type === 'auth-failed' || type === 'invalid-auth-params';
}
