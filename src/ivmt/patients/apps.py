from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "ivmt.patients"
    label = "patients"
    verbose_name = "Patients"
