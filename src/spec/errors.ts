import { BaiError } from '../errors.js';

/** A spec could not be read or does not describe an API we can use. Message is one line. */
export class SpecError extends BaiError {
  override name = 'SpecError';
  constructor(message: string, location?: string) {
    super(location ? `spec ${location}: ${message}` : `spec: ${message}`, 'bad_input');
  }
}
