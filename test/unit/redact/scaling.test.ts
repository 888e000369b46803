import { describe, expect, it } from 'vitest';
import { redact } from '../../../src/redact/redact.js';

/**
 * Redaction runs on the event loop that acks Slack (a click on Raw evidence) and in workers on
 * whole log windows: its cost must grow with the input, not with its square, whatever a host or
 * an anonymous client makes it log. Each shape is a unit repeated to 80 KB and to 4x that; 4x the
 * input may cost at most ~6x the time (linear is 4x; quadratic is 16x).
 */
const SMALL = 80 * 1024;
const FACTOR = 4;
const MAX_RATIO = 6;

const HOSTILE: Record<string, string> = {
  'key=key=... (a request line nginx logs at [error])': 'key=',
  'a name and runs of "="': 'pw==',
  'runs of "="': '=',
  'runs of ":"': ':',
  'name: name: ...': 'key: ',
  'runs of "@"': '@',
  'URL user parts without a host': 'a://b:',
  'URL passwords without a host': 'a://b:c@',
  'runs of "-p"': '-p',
  'mysql -p options': 'mysql -p',
  'curl -u options': 'curl -u a:',
  'double quotes': '"',
  'single quotes': "'",
  'quoted names without values': '"password": "',
  'escaped quotes': 'key=\\"',
  spaces: ' ',
  'a very long token': 'Ab3',
  'a very long token under a name': 'x',
  'many Bearer words': 'Bearer ',
  'nested brackets': 'key=[',
  'closing brackets': 'key=a]',
  'env[ names': 'env[',
  'define arguments': "'key', '",
  'php -i arrows': 'pw => ',
  'stack frames without arguments': '#0 /a.php(1): f(',
  'stack frames with unclosed strings': "#0 /a.php(1): PDO->__construct('mysql:",
  'credential calls inside calls': "Redis->auth('",
  'crypt hash prefixes': '$6$',
  'pgpass fields': 'h:5432:d:u:',
  'BEGIN lines without END': '-----BEGIN PRIVATE KEY-----\n  ',
  'cookies without values': 'PHPSESSID=; ',
  'URL users that look random, without a host': 'https://9f8e7d6c5b4a39281716a5b4c3d2e1f0',
  'SQL passwords without a closing quote': 'IDENTIFIED BY \'x PASSWORD "y ',
  'netrc words': 'machine h login u password ',
  'command lines of wrapping tools': 'sshpass -p x ',
  'htpasswd operands': 'htpasswd -b f u ',
  'hash kinds': '{SHA}$y$',
  'method chains without a call': '$a->',
  'URLs cut before their @': 'a://b:c ',
  'print_r names': '[password] => [a] => ',
  'var_dump names without a string': '["password"]=>\n  ',
  'constructor calls with unclosed double quotes': 'new PDO("',
  'spaced arguments': "mysqli_connect( 'a' , ",
};

function fill(unit: string, length: number): string {
  const text = unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
  return unit === 'x' ? `password=${text}` : text;
}

/**
 * Milliseconds of CPU this process spent redacting `text` `repeats` times. CPU time, not wall
 * time: on a loaded machine (labs running beside the tests) a wall clock measures the waits for a
 * core too. Test files run in processes of their own, so no other test's work is counted.
 */
function time(text: string, repeats: number): number {
  const start = process.cpuUsage();
  for (let i = 0; i < repeats; i++) redact(text);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/**
 * The ratio of the least times of several interleaved runs: the cost of the work itself. Each run
 * repeats the small input for >= ~20 ms, so the clock's resolution is not what is measured.
 */
function ratio(unit: string): number {
  const small = fill(unit, SMALL);
  const large = fill(unit, SMALL * FACTOR);
  const repeats = Math.min(1000, Math.max(1, Math.ceil(20 / Math.max(time(small, 1), 0.01))));
  let bestSmall = Number.POSITIVE_INFINITY;
  let bestLarge = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 15; round++) {
    bestSmall = Math.min(bestSmall, time(small, repeats));
    bestLarge = Math.min(bestLarge, time(large, repeats));
    if (round >= 2 && bestLarge / bestSmall < MAX_RATIO) break;
  }
  return bestLarge / bestSmall;
}

describe('redact: linear time on hostile shapes', () => {
  it.each(Object.entries(HOSTILE))('4x the input of %s costs at most ~6x the time', (_, unit) => {
    expect(ratio(unit)).toBeLessThan(MAX_RATIO);
  });
});
