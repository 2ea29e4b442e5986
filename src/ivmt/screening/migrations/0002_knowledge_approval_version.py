from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('screening', '0001_initial'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='knowledgeapproval',
            name='knowledge_approved_once_per_clinic',
        ),
        migrations.RenameField(
            model_name='knowledgeapproval',
            old_name='knowledge_version',
            new_name='version',
        ),
        migrations.AddConstraint(
            model_name='knowledgeapproval',
            constraint=models.UniqueConstraint(fields=('clinic', 'version'), name='knowledge_approved_once_per_clinic'),
        ),
    ]
