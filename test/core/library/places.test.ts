// The photos on the map: indexed ones with a position on the globe, newest first; pending photos,
// photos without GPS and impossible positions (a corrupt tag) stay off it.

import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LibraryRecords, openLibraryDatabase } from '../../../electron/core/library/library-records.js';
import { places } from '../../../electron/core/library/places.js';
import { tempDir } from '../../support/temp.js';

describe('places', () => {
  const dbPath = join(tempDir(), 'library.sqlite');
  openLibraryDatabase(dbPath, { create: true }).close();
  const records = LibraryRecords.openExisting(dbPath);
  afterAll(() => {
    records.close();
  });

  it('lists indexed photos with a real position, newest first', () => {
    const folder = records.store.addFolder('/photos');
    const add = (
      name: string,
      mtime: number,
      status: string,
      lat: number | null,
      lon: number | null,
    ): number => {
      const id = records.store.insertPending(folder.id, `/photos/${name}`, 1, mtime);
      records.db
        .prepare('UPDATE photos SET status = ?, gps_lat = ?, gps_lon = ? WHERE id = ?')
        .run(status, lat, lon, id);
      return id;
    };
    const paris = add('paris.jpg', 1000, 'indexed', 48.858, 2.294);
    const tokyo = add('tokyo.jpg', 3000, 'indexed', 35.68, 139.76);
    add('no-gps.jpg', 2000, 'indexed', null, null);
    add('pending.jpg', 4000, 'pending', 10, 10);
    add('corrupt.jpg', 5000, 'indexed', 123, 456);
    expect(places(records.db)).toEqual({ ids: [tokyo, paris], lat: [35.68, 48.858], lon: [139.76, 2.294] });
  });
});
