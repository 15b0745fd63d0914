// Counts in words for the terminal: "1 photo", "3 photos", "2 categories".

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
