"use strict";
// Loaded into Azurite before it starts (`node --require`, twin_ops/local/services.py). LokiJS, its
// database, rebuilds every index of a collection from scratch (a sort of all its documents per
// index) whenever an array of documents is removed, even an empty one: Azurite's queue store
// removes the queue's expired messages, mostly none, before every dequeue, peek, delete and
// update, so each queue call sorted every waiting message four times; its in-memory extent
// collection removes extents one array of one at a time. Here an empty array removes nothing and
// an array of one goes the way of a single document (each index updated in place): the same
// documents stay, found the same way; only the rebuilds are gone.
const path = require("path");
const fs = require("fs");

const azurite = path.dirname(fs.realpathSync(process.argv[1]));
const Collection = require(require.resolve("lokijs", { paths: [azurite] })).Collection;
const removeBatch = Collection.prototype.removeBatch;

Collection.prototype.removeBatch = function (batch) {
  if (batch.length === 0) {
    return;
  }
  const one = batch.length === 1 ? (typeof batch[0] === "object" ? batch[0] : this.get(batch[0])) : null;
  if (one && one.$loki !== undefined && this.get(one.$loki) === one) {
    this.remove(one);
    return;
  }
  removeBatch.call(this, batch);
};
