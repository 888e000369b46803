// The numbers live in src/util so the error-code map below every layer can name them.
export { EXIT, type ExitCode } from '../util/exit-codes.js';
