// `npm start` and `npm run dist` until the desktop app lands (issue 6): say so plainly and fail.
const what = process.argv[2];
process.stderr.write(
  `lumen: "npm ${what === 'start' ? 'start' : 'run dist'}" needs the desktop app, which is not built yet (issue 6).\n` +
    'Use the CLI meanwhile: npx lumen --help\n',
);
process.exit(1);
