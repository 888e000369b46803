import { context, type SlackMessage, section } from './elements.js';
import { fitMessage } from './limits.js';
import { code } from './mrkdwn.js';

/** The slash command as registered in the Slack app; only used in the text shown. */
export interface HelpOptions {
  command?: string;
}

function usageLines(cmd: string): string[] {
  return [
    `${code(`${cmd} diagnose HOST|GROUP [--window 30m]`)} find the root cause of 502/503/504s (last 15 min of logs by default)`,
    `${code(`${cmd} status HOST`)} a quick pool summary: busy and max workers, queue`,
    `${code(`${cmd} hosts`)} the hosts and groups in the inventory, with labels`,
    `${code(`${cmd} history HOST`)} recent diagnoses, actions and the audit log`,
    `${code(`${cmd} help`)} this message`,
  ];
}

export function helpMessage(options: HelpOptions = {}): SlackMessage {
  const cmd = options.command ?? '/fpm';
  return fitMessage({
    text: 'fpm-medic: diagnose PHP-FPM 502/503/504s',
    parts: [
      {
        blocks: [
          section(
            '*fpm-medic* diagnoses PHP-FPM 502/503/504s over SSH and names the root cause.',
            'help-intro',
          ),
          section(usageLines(cmd).join('\n'), 'help-commands'),
          context(
            [
              'Hosts come only from the inventory. Actions (reload, start, kill stuck workers) are offered as ' +
                'buttons on a report and run only after an approval that policy allows.',
            ],
            'help-foot',
          ),
        ],
      },
    ],
  });
}

/** A command that could not be understood: what was wrong, then how to write it. */
export function usageMessage(message: string, options: HelpOptions = {}): SlackMessage {
  const cmd = options.command ?? '/fpm';
  // `message` comes from command.ts, which only quotes plain names; it is mrkdwn on purpose.
  return fitMessage({
    text: `:warning: ${message}`,
    parts: [
      {
        blocks: [
          section(`:warning: ${message}`, 'usage-error'),
          section(usageLines(cmd).join('\n'), 'usage-commands'),
        ],
      },
    ],
  });
}
