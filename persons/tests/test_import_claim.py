"""An import started twice (queued twice by a double click or a retry, picked by two workers) runs once: the
second start finds the job's claim held (persons.importing.running, a database lock on PostgreSQL) and leaves the
job to the process holding it; started again once the job has finished, it changes nothing."""

from django.core.files.base import ContentFile

from persons import importing
from persons.importing.running import job_claim
from persons.models import ImportJob, Person
from persons.tests.conftest import resident_id


def _csv(cast) -> bytes:
    rows = [f"居民{n},{resident_id(seq=700 + n)},1380000{n:04d},{cast.grid_a.code}" for n in range(5)]
    return ("姓名,身份证号,电话,网格\n" + "\n".join(rows) + "\n").encode()


def test_an_import_started_while_another_process_runs_it_is_left_to_that_process(cast, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    job = importing.import_job_create(unit=cast.street, uploaded_file=ContentFile(_csv(cast), name="p.csv"),
                                      filename="p.csv", by=cast.street_officer, start=False)
    with job_claim(job) as claimed:  # the worker that picked it first
        assert claimed is True
        importing.people_import(job=job)  # the second start
        job.refresh_from_db()
        assert job.state == ImportJob.State.PENDING and not Person.objects.filter(name__startswith="居民").exists()
    importing.people_import(job=job)
    job.refresh_from_db()
    assert (job.state, Person.objects.filter(name__startswith="居民").count()) == (ImportJob.State.DONE, 5)
    finished = job.finished_at
    importing.people_import(job=job)  # started again after it finished
    job.refresh_from_db()
    assert (job.state, job.finished_at) == (ImportJob.State.DONE, finished)
