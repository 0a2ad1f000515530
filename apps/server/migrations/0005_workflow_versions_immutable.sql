-- Workflow versions are immutable: a version, once written, is never changed (restores append a new one).
-- Deleting stays possible: purging a workflow from the trash removes its versions with it.
CREATE OR REPLACE FUNCTION workflow_versions_immutable() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'workflow versions are immutable';
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER workflow_versions_no_update BEFORE UPDATE ON workflow_versions
  FOR EACH ROW EXECUTE FUNCTION workflow_versions_immutable();
