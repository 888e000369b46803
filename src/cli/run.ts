import { main } from './main.js';

// The executable's entry (bin/fpm-medic.js loads the compiled copy). Exit explicitly once stdout
// has drained: a half-open SSH socket must never keep a finished CLI alive.
const code = await main(process.argv);
process.stdout.write('', () => process.exit(code));
