"""The domain: users, files, tasks and results, and the rules every process follows.

Models and the database, task status transitions (`lifecycle`), taking an upload
(`intake`, `submission`; its bytes read by `inspection` in `inspector` processes),
queues and turns (`scheduling`, `jobs`), object storage, the engines workers report
(`capabilities`). No HTTP here: errors are domain errors.
"""
