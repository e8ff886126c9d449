/**
 * The availability/activity pairs Graph's setUserPreferredPresence accepts: exactly these six
 * (documented; any other pair is refused with 400). The config is checked against them.
 */
export const PRESENCE_PAIRS = [
  ['Available', 'Available'],
  ['Busy', 'Busy'],
  ['DoNotDisturb', 'DoNotDisturb'],
  ['BeRightBack', 'BeRightBack'],
  ['Away', 'Away'],
  ['Offline', 'OffWork'],
] as const;
