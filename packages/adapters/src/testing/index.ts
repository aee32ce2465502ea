export { runStorageContract } from "./storage-contract";
export type { RawDocument, RawStorageReader, StorageContractOptions } from "./storage-contract";
export { at, HOUR, makeConfig, makeDelivery, makeMessage, makeTarget, MINUTE, T0 } from "./builders";
export { runTransportContract } from "./transport-contract";
export type { ObservedSend, TransportContractHarness, TransportContractOptions } from "./transport-contract";
export { OutageStorage } from "./outage-storage";
export type { OutageFault, OutageKind, StorageCall } from "./outage-storage";
