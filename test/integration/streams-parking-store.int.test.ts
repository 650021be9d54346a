import { DynamoDbParkingStore } from "../../services/streams/parking/dynamodb-parking-store.js";
import { parkedTable } from "../../services/tables/definitions.js";
import { parkingStoreContract } from "../contracts/parking-store.js";
import { createTestTables, tableName } from "../support/infra.js";

parkingStoreContract("DynamoDbParkingStore", async () => {
  const tables = await createTestTables([parkedTable]);
  return {
    store: new DynamoDbParkingStore(tables.client, tableName(tables, "parked")),
    close: () => tables.drop(),
  };
});
