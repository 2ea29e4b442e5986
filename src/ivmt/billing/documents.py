"""The standard wording of the treatment consent and the financial-responsibility waiver.

A clinic publishes its own versions (``DocumentTemplate``); these texts are what the publishing
form starts from. They say what the seeds say (shared/seeds 000 and 001) and no more: what IVMT
is, that it is still experimental and not FDA-approved for these uses, the risks the seeds name,
the right to stop at any time, and that the patient pays what insurance does not.
"""

from __future__ import annotations

import hashlib

from ivmt.billing.models import DocumentKind

CONSENT_TITLE = "Consent to intravenous micronutrient therapy (IVMT)"
CONSENT_BODY = """\
What IVMT is. Intravenous micronutrient therapy (IVMT), also called the modified Myers' cocktail, \
is a mixture of vitamins and minerals - magnesium, calcium, B vitamins including B12, and \
vitamin C - given slowly into a vein, usually over 30 to 60 minutes. It is not commercially \
available: a pharmacy compounds it on a physician's prescription within a few hours of use.

IVMT is experimental. It is not approved by the FDA for any of the conditions it is used for. \
Some patients report relief of migraine, fibromyalgia, fatigue and other conditions; a small \
randomised trial in fibromyalgia found improvements that did not reach statistical significance. \
It may not help me.

Before the series. My electrolytes, especially magnesium and calcium, will be checked, and a \
physician will review my medicines and conditions. Some people, for example those taking digoxin \
or with certain heart or potassium problems, should not receive IVMT.

Risks and side effects I have been told about:
- pain, bruising, infection or inflammation where the IV is placed; the IV may leak into the \
surrounding tissue (burning, tightness, redness or swelling: I will tell the staff at once);
- a sensation of spreading heat, a cold or tingling feeling in the arm, a vitamin taste in the \
mouth, and for a short while a vitamin smell of breath or body;
- low blood pressure with light-headedness or fainting, especially if magnesium runs too fast, \
and fainting without low blood pressure (vasovagal reaction);
- visual changes lasting minutes to days;
- low potassium;
- allergic reactions, rarely severe (anaphylaxis).

The course. The clinic's protocol is a series of weekly infusions, with a review of how I am doing \
at about six weeks, followed if it helps by maintenance infusions as needed. I will answer short \
questionnaires so that my physician can judge whether it works for me.

My right to stop. Taking part is my choice. I may refuse or stop the treatment at any time, \
before or during any infusion, without giving a reason, and this will not affect the rest of my \
care at this clinic. I may ask questions at any time.

I have read this consent, or had it read to me, my questions have been answered, and I agree \
to receive IVMT."""

WAIVER_TITLE = "Financial responsibility waiver"
WAIVER_BODY = """\
My insurance may not cover intravenous micronutrient therapy (IVMT). Some insurers pay for it, \
some only when a doctor administers it or as part of an office visit, and many do not pay at all.

The clinic charges separately for the ingredients, for compounding, for the infusion and for \
the office visit, as listed on the clinic's price list, which I have been shown.

I agree that I am responsible for paying whatever my insurance company does not pay. The clinic \
will give me a superbill with the diagnosis and procedure codes so that I can claim from my \
insurer myself.

I understand that I may stop the treatment at any time, and that I will be charged only for the \
services and prepared medicines I have received."""

STANDARD = {
    DocumentKind.CONSENT: (CONSENT_TITLE, CONSENT_BODY),
    DocumentKind.WAIVER: (WAIVER_TITLE, WAIVER_BODY),
}


def body_hash(title: str, body: str) -> str:
    """SHA-256 of the exact wording (title and body), stored with each version."""
    return hashlib.sha256(f"{title}\n\n{body}".encode()).hexdigest()
