import { DateTime } from 'luxon';
import type { Mirror, MirrorChange, UnknownCodeNotice } from '../../app/ports/mirror.js';
import type { ReportMailer } from '../../app/ports/report-delivery.js';
import { PermanentError } from '../../domain/errors.js';
import type { Instant } from '../../domain/occurrence.js';
import { nextOfficeInstant, type OfficeHours } from '../../domain/office-hours.js';

export interface NotifyMailOptions {
  readonly mailer: ReportMailer;
  /** The employee's mail address, or null; kept in memory only. */
  readonly addressOf: (employee: string) => string | null;
  readonly timeZone: string;
  readonly officeHours: OfficeHours;
  readonly manualUrl: string | null;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/**
 * The mail about an unknown code, in Swedish: the day and time of the occurrence, the probable
 * code and a link to the code manual. Never the event's subject (nor the mistyped token: it is
 * a piece of the subject).
 */
export function unknownCodeMail(
  notice: UnknownCodeNotice,
  options: Pick<NotifyMailOptions, 'timeZone' | 'manualUrl'>,
): { subject: string; html: string } {
  const when = DateTime.fromMillis(notice.occurrenceStart, { zone: options.timeZone }).setLocale('sv');
  const day = when.toFormat("cccc d MMMM 'kl.' HH.mm");
  const lines = [
    `<p>Hej!</p>`,
    `<p>Din kalenderhändelse ${escapeHtml(day)} börjar med något som liknar en hänvisningskod, men koden finns inte. Därför blev det ingen hänvisning.</p>`,
    notice.suggestion === null
      ? '<p>Rätta koden i händelsens ämnesrad, så hänvisas telefonen vid nästa synk.</p>'
      : `<p>Menade du ${escapeHtml(notice.suggestion)}? Rätta koden i händelsens ämnesrad, så hänvisas telefonen vid nästa synk.</p>`,
    options.manualUrl === null
      ? ''
      : `<p>Alla koder finns i <a href="${escapeHtml(options.manualUrl)}">kodmanualen</a>.</p>`,
    '<p>Hälsningar<br>Kalenderkopplingen (hanvisa)</p>',
  ];
  return {
    subject: 'Okänd hänvisningskod i din kalender',
    html: `<!DOCTYPE html><html lang="sv"><meta charset="utf-8"><body>${lines.join('')}</body></html>`,
  };
}

/**
 * The mail about a planned meeting entered late (`notify.lateEntry`), in Swedish: its day and
 * time and the deadline it missed; never the subject.
 */
export function lateEntryMail(
  notice: UnknownCodeNotice,
  options: Pick<NotifyMailOptions, 'timeZone' | 'manualUrl'>,
): { subject: string; html: string } {
  const when = DateTime.fromMillis(notice.occurrenceStart, { zone: options.timeZone }).setLocale('sv');
  const deadline =
    notice.deadline === null || notice.deadline === undefined
      ? 'samma morgon'
      : DateTime.fromMillis(notice.deadline, { zone: options.timeZone })
          .setLocale('sv')
          .toFormat("'kl.' HH.mm 'samma dag'");
  const lines = [
    '<p>Hej!</p>',
    `<p>Ditt planerade möte ${escapeHtml(when.toFormat("cccc d MMMM 'kl.' HH.mm"))} kom in i kalendern efter ${escapeHtml(deadline)}.</p>`,
    '<p>Enligt riktlinjerna för telefoni ska planerade möten finnas i kalendern senast samma morgon, så att växeln kan hänvisa rätt.</p>',
    options.manualUrl === null
      ? ''
      : `<p>Koderna och riktlinjerna finns i <a href="${escapeHtml(options.manualUrl)}">kodmanualen</a>.</p>`,
    '<p>Hälsningar<br>Kalenderkopplingen (hanvisa)</p>',
  ];
  return {
    subject: 'Mötet kom in sent i kalendern',
    html: `<!DOCTYPE html><html lang="sv"><meta charset="utf-8"><body>${lines.join('')}</body></html>`,
  };
}

/**
 * `notify.unknownCode`: one short Swedish mail to the employee per occurrence with an unknown
 * code, through Graph sendMail from the service mailbox (`reports.mail.from`). Only inside
 * office hours (a notice found at night waits, without counting as a failed try). The outbox
 * records each notice once per occurrence, so a second sync sends nothing.
 */
export class NotifyMailMirror implements Mirror {
  readonly name = 'notify';
  readonly kind = 'notifyMail';
  readonly receives = 'notices' as const;
  readonly #options: NotifyMailOptions;

  constructor(options: NotifyMailOptions) {
    this.#options = options;
  }

  notBefore(_change: MirrorChange, now: Instant): Instant | null {
    const next = nextOfficeInstant(now, this.#options.timeZone, this.#options.officeHours);
    return next > now ? next : null;
  }

  async deliver(change: MirrorChange): Promise<void> {
    if (change.notice === null) return;
    const to = this.#options.addressOf(change.employee);
    if (to === null) {
      throw new PermanentError(
        `notify: employee ${change.employee} has no mail address: add email (or a graph calendar) in directory`,
      );
    }
    const mail =
      change.change === 'lateEntry'
        ? lateEntryMail(change.notice, this.#options)
        : unknownCodeMail(change.notice, this.#options);
    await this.#options.mailer.send({ to, subject: mail.subject, html: mail.html, attachments: [] });
  }
}
