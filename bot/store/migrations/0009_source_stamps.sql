-- What the importer last saw of each story's file and sidecar (size and modification time),
-- so an unchanged file is recognised without being read or hashed.
-- NULL: not known (stories imported before this migration, or a file modified too recently
-- for its time to be trusted): the file is read and hashed at the next import.
ALTER TABLE stories ADD COLUMN source_size INTEGER;
ALTER TABLE stories ADD COLUMN source_mtime_ns INTEGER;
ALTER TABLE stories ADD COLUMN sidecar_size INTEGER;          -- NULL: no sidecar
ALTER TABLE stories ADD COLUMN sidecar_mtime_ns INTEGER;
