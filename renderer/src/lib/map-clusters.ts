// Groups photos' positions on the map into clusters, so thousands of photos from one city are one
// circle with a count, not a blot: points already projected to the screen are bucketed into square
// cells `cell` px wide, and each cluster sits at the mean of its points. Plain code, tested alone.

export interface MapPoint {
  x: number;
  y: number;
  /** The photo's place in the caller's list. */
  index: number;
}

export interface Cluster {
  key: string;
  x: number;
  y: number;
  indices: number[];
}

export function clusterPoints(points: readonly MapPoint[], cell: number): Cluster[] {
  const cells = new Map<string, { sx: number; sy: number; indices: number[] }>();
  for (const p of points) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
    const key = `${Math.floor(p.x / cell)},${Math.floor(p.y / cell)}`;
    let c = cells.get(key);
    if (!c) cells.set(key, (c = { sx: 0, sy: 0, indices: [] }));
    c.sx += p.x;
    c.sy += p.y;
    c.indices.push(p.index);
  }
  return [...cells.entries()]
    .map(([key, c]) => ({ key, x: c.sx / c.indices.length, y: c.sy / c.indices.length, indices: c.indices }))
    .sort((a, b) => b.indices.length - a.indices.length);
}
