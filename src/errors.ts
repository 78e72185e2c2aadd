/**
 * Typed errors. Every failure a user can cause is a BounceError with a code; the CLI turns it
 * into one line on stderr and the exit code below, never a stack trace.
 */

/** What went wrong, and the CLI exit code it maps to (documented in the README). */
export const ErrorCodes = {
  /** Bad command-line usage: unknown flag, missing argument. */
  usage: 2,
  /** An input value is invalid (entry point, interpreter path, arch...). */
  invalidInput: 3,
  /** A file is not in the format expected (not a PE, corrupt payload, bad zip...). */
  badFormat: 4,
  /** Reading or writing a file failed. */
  io: 5,
} as const;

export type ErrorKind = keyof typeof ErrorCodes;

export class BounceError extends Error {
  override readonly name = 'BounceError';
  constructor(
    readonly kind: ErrorKind,
    message: string,
    /** The file the problem is about, when there is one. */
    readonly path?: string,
  ) {
    super(path === undefined ? message : `${path}: ${message}`);
  }

  get exitCode(): number {
    return ErrorCodes[this.kind];
  }
}

export function invalidInput(message: string, path?: string): BounceError {
  return new BounceError('invalidInput', message, path);
}

export function badFormat(message: string, path?: string): BounceError {
  return new BounceError('badFormat', message, path);
}

/**
 * A rewrite refused because the file is signed: any change to it invalidates its Authenticode
 * signature. The caller decides (issue 3: `relocate --force` strips the certificate first and
 * reports that the signature is gone); the rewriters only refuse.
 */
export class SignedFileError extends BounceError {
  constructor(path?: string) {
    super('invalidInput', 'the file is signed (Authenticode): rewriting it would invalidate the signature', path);
  }
}
