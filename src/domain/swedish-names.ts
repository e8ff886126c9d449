/**
 * Swedish day and month names, spelled out here rather than taken from Intl, so every page,
 * report and referral reads the same whatever ICU version Node ships (and golden files stay
 * stable). Weekdays are Monday first: index `weekday - 1` with Luxon's 1 (Monday) … 7 (Sunday).
 */
export const WEEKDAYS = ['mån', 'tis', 'ons', 'tor', 'fre', 'lör', 'sön'] as const;
/** The weekdays of referral text ("åter tors 3 dec"). */
export const REFERRAL_WEEKDAYS = ['mån', 'tis', 'ons', 'tors', 'fre', 'lör', 'sön'] as const;
export const MONTHS = [
  'januari',
  'februari',
  'mars',
  'april',
  'maj',
  'juni',
  'juli',
  'augusti',
  'september',
  'oktober',
  'november',
  'december',
] as const;
export const SHORT_MONTHS = [
  'jan',
  'feb',
  'mars',
  'apr',
  'maj',
  'juni',
  'juli',
  'aug',
  'sep',
  'okt',
  'nov',
  'dec',
] as const;
