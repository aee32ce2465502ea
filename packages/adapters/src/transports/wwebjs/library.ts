import wweb from "whatsapp-web.js";
import type * as WAWebJS from "whatsapp-web.js";

// whatsapp-web.js is CommonJS and Node's export detection finds only `Client` as a named export:
// every value comes from the default export (`module.exports`).
export const { Client, RemoteAuth, MessageMedia, MessageAck, WAState } = wweb;

export type Client = WAWebJS.Client;
export type RemoteAuth = WAWebJS.RemoteAuth;
export type MessageMedia = WAWebJS.MessageMedia;
export type MessageAck = WAWebJS.MessageAck;
export type WAState = WAWebJS.WAState;
export type Message = WAWebJS.Message;
export type Chat = WAWebJS.Chat;
export type ClientInfo = WAWebJS.ClientInfo;
export type ContactId = WAWebJS.ContactId;
export type MessageContent = WAWebJS.MessageContent;
export type MessageSendOptions = WAWebJS.MessageSendOptions;
export type Store = WAWebJS.Store;
export type WebCacheOptions = WAWebJS.WebCacheOptions;
