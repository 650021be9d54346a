import { leaseStoreContract } from "../contracts/lease-store.js";
import { parkingStoreContract } from "../contracts/parking-store.js";
import { InMemoryLeaseStore } from "../streams-sim/in-memory-lease-store.js";
import { InMemoryParkingStore } from "../streams-sim/in-memory-parking-store.js";

// The stand-ins the unit and simulation tests use keep the same promises as the DynamoDB stores.
leaseStoreContract("in-memory lease store", async () => ({ store: new InMemoryLeaseStore() }));
parkingStoreContract("InMemoryParkingStore", async () => ({ store: new InMemoryParkingStore() }));
