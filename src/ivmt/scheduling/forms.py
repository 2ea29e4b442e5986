from django import forms


class ChairForm(forms.Form):
    name = forms.CharField(max_length=40, help_text="As staff call it, e.g. Chair 3 (window)")
    note = forms.CharField(max_length=120, required=False)
