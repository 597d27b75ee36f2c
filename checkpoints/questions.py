"""The exposure-history questions of the emergency plan (a fever rule's `questions` may replace them)."""

from django.utils import translation

DEFAULT_QUESTIONS = [
    {"key": "hospital", "zh": "近14天是否去过医院（就诊、陪护或探视）？",
     "en": "Visited a hospital in the last 14 days (as a patient, carer or visitor)?"},
    {"key": "case_contact", "zh": "近14天是否接触过确诊病例、疑似病例或无症状感染者？",
     "en": "Contact with a confirmed, suspected or asymptomatic case in the last 14 days?"},
    {"key": "fever_contact", "zh": "近14天是否接触过发热或有呼吸道症状的人？",
     "en": "Contact with people with fever or respiratory symptoms in the last 14 days?"},
    {"key": "travel", "zh": "近14天是否离开本市，或到过湖北等中高风险地区？",
     "en": "Left the city, or visited Hubei or another higher-risk area, in the last 14 days?"},
]


def question_text(question: dict) -> str:
    """A question in the reader's language."""
    english = (translation.get_language() or "").startswith("en")
    return (question.get("en") if english else question.get("zh")) or question.get("zh") or question["key"]
