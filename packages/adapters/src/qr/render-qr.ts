import QRCode from "qrcode";

/** PNG data URL of a QR text, as the connect page and `POST /connect` show it. */
export function qrDataUrl(text: string): Promise<string> {
  return QRCode.toDataURL(text, { errorCorrectionLevel: "M", margin: 2, width: 320 });
}

/** The same QR drawn with characters, for a terminal. */
export function qrTerminal(text: string): Promise<string> {
  return QRCode.toString(text, { type: "terminal", small: true });
}
