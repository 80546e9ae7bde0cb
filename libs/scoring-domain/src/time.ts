// The day arithmetic lives once, in contracts (a day is a UTC calendar day for every service).
export { DAY_MS, dayEnd, dayOf, dayStart, isoDay, weekOf } from '@bellwether/contracts';
