// whatsapp-web.js pulls in puppeteer, whose install script would download a browser (impossible
// offline). We use Debian's Chromium instead (CHROMIUM_PATH, default /usr/bin/chromium).
module.exports = { skipDownload: true };
