"""The requests benchmark (#12): a million requests, submit and track over HTTP, the SQL floor."""
