export const subMinutes = (d: Date, minutes: number): Date => new Date(d.getTime() - minutes * 60_000);
