// Error classes that the CLI turns into one clean line and an exit code; anything else is a bug and shows its stack.

export { InputError } from '../capture/types.js';

/** A bad command line (values yargs cannot check): exit code 2 like a yargs usage error. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const EXIT = {
  ok: 0,
  finding: 1,
  input: 2,
  inconclusive: 3,
  /** Ctrl-C stopped a triage run: what was written is valid (128 + SIGINT). */
  interrupted: 130,
  bug: 70,
} as const;
