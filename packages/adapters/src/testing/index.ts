export { runStorageContract } from "./storage-contract.js";
export type { RawDocument, RawStorageReader, StorageContractOptions } from "./storage-contract.js";
export { at, HOUR, makeConfig, makeDelivery, makeMessage, makeTarget, MINUTE, T0 } from "./builders.js";
export { runTransportContract } from "./transport-contract.js";
export type { ObservedSend, TransportContractHarness, TransportContractOptions } from "./transport-contract.js";
export type { TransportGuarantee } from "./transport-guarantees.js";
export { OutageStorage } from "./outage-storage.js";
export type { OutageFault, OutageKind, StorageCall } from "./outage-storage.js";
