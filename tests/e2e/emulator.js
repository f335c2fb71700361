// Bot API emulator for tests/test_e2e_telegram.py: telegram-test-api on 127.0.0.1:PORT.
// Prints "ready PORT" once it listens; SIGTERM stops it.
const TelegramServer = require('telegram-test-api');

const port = Number(process.argv[2]);
const server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 600 });

server.start().then(
  () => console.log(`ready ${port}`),
  (error) => {
    console.error(`emulator failed to start: ${error}`);
    process.exit(1);
  },
);

process.on('SIGTERM', () => {
  server.stop().then(() => process.exit(0));
});
