/**
 * Where transactions happen. Serving cost per transaction falls from the counter to
 * the app, and the mix depends on who the customer is: people bank on their phones,
 * companies through online banking and the counter.
 */
export interface Channel {
  channelId: number;
  channelName: string;
  /** CNY to serve one transaction. */
  cost: number;
  personal: number;
  corporate: number;
}

export const CHANNELS: readonly Channel[] = [
  { channelId: 1, channelName: 'branch counter', cost: 25, personal: 8, corporate: 25 },
  { channelId: 2, channelName: 'ATM', cost: 4, personal: 10, corporate: 2 },
  { channelId: 3, channelName: 'phone', cost: 6, personal: 4, corporate: 8 },
  { channelId: 4, channelName: 'online', cost: 0.8, personal: 20, corporate: 55 },
  { channelId: 5, channelName: 'mobile', cost: 0.5, personal: 58, corporate: 10 },
];
