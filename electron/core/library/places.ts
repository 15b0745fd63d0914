// Where the library's photos were taken: every indexed photo with a GPS position, newest first, as
// parallel arrays (ids, latitudes, longitudes) for the offline map. Positions outside the globe (a
// camera's zeros are kept: 0,0 is a real place, if rare) are left out.

import type { Db } from './database.js';

export interface Places {
  ids: number[];
  lat: number[];
  lon: number[];
}

export function places(db: Db): Places {
  const rows = db
    .prepare(
      `SELECT id, gps_lat, gps_lon FROM photos
       WHERE status = 'indexed' AND gps_lat BETWEEN -90 AND 90 AND gps_lon BETWEEN -180 AND 180
       ORDER BY COALESCE(taken_at, mtime_ms) DESC, id`,
    )
    .raw()
    .all() as [number, number, number][];
  return { ids: rows.map((r) => r[0]), lat: rows.map((r) => r[1]), lon: rows.map((r) => r[2]) };
}
