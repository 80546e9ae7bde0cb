import { readFileSync } from 'node:fs';
import { defaultTrackEventMap, trackEventMapWith, type TrackEventMap } from '@bellwether/ingestion-domain';

/**
 * The track map of `TRACK_EVENT_MAP_FILE`: the default table when no file is named, else the
 * default overridden entry by entry by the file's JSON object. Throws when the file cannot be
 * read or parsed, or maps a name to something that is not an event type (start-up stops).
 */
export function loadTrackEventMap(file: string | undefined): TrackEventMap {
  if (!file) return defaultTrackEventMap;
  return trackEventMapWith(JSON.parse(readFileSync(file, 'utf8')) as unknown, file);
}
