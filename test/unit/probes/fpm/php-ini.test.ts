import { describe, expect, it } from 'vitest';
import { parsePhpIni, phpSizeToBytes } from '../../../../src/probes/parsers/php-ini.js';
import { fixtureSections } from './fixtures.js';

describe('parsePhpIni (php-fpm -i, filtered by discover-fpm.sh)', () => {
  const body = fixtureSections('discover.txt').find((s) => s.name === 'php-ini')!.body;
  const ini = parsePhpIni(body);

  it('takes the local value of each directive', () => {
    expect(ini).toMatchObject({
      loadedFile: '/etc/php/8.2/fpm/php.ini',
      maxExecutionTimeSec: 30,
      memoryLimit: '128M',
      defaultSocketTimeoutSec: 60,
      version: '8.2.35',
    });
    expect(ini.raw['hard_timeout']).toBe('2');
    expect(ini.raw['Server API']).toBe('FPM/FastCGI');
  });

  it('leaves "no value" directives unset', () => {
    expect(ini.errorLog).toBeUndefined();
    expect('disable_functions' in ini.raw).toBe(false);
  });

  it('converts php.ini sizes', () => {
    expect(phpSizeToBytes('128M')).toBe(134_217_728);
    expect(phpSizeToBytes('1G')).toBe(1024 ** 3);
    expect(phpSizeToBytes('-1')).toBe(-1);
    expect(phpSizeToBytes('512k')).toBe(524_288);
  });
});
