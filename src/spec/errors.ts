import { BaiError } from '../errors.js';

/** A spec could not be read or does not describe an API we can use. Message is one line. */
export class SpecError extends BaiError {
  override name = 'SpecError';
  /** The problem without the `spec <location>:` prefix, so a caller can re-attach a location. */
  readonly reason: string;
  readonly location: string | undefined;
  constructor(message: string, location?: string) {
    super(location ? `spec ${location}: ${message}` : `spec: ${message}`, 'bad_input');
    this.reason = message;
    this.location = location;
  }
}
