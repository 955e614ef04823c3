"""Numbers, dates and codes as a listener expects to hear them, before synthesis.

A speech engine reads ``01/11/2026`` digit by digit or as a fraction, and a dossier
code as one long number.  Here they become words the way a Vietnamese clerk reads them
aloud: dates as "ngày … tháng … năm …" (the fourth month is "tháng tư"), numbers with
the spoken forms of the tens ("mốt", "tư", "lăm", "linh", "không trăm"), amounts with
their thousands separators, and codes, phone and ID numbers in short groups of digits
read one by one (as on the telephone), so a listener can write them down.
"""

from __future__ import annotations

import re

DIGITS_VI = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
DIGITS_EN = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
SCALES_VI = ("", "nghìn", "triệu", "tỷ")
MONTHS_EN = (
    "January February March April May June July August September October November December"
).split()


def _hundreds_vi(number: int, full: bool) -> list[str]:
    """0-999; ``full``: a group after a higher one (1 005 is 'một nghìn không trăm linh năm')."""
    hundreds, tens, units = number // 100, number // 10 % 10, number % 10
    words: list[str] = []
    if hundreds or full:
        words += [DIGITS_VI[hundreds], "trăm"]
    if tens == 0:
        if units:
            words += (["linh"] if words else []) + [DIGITS_VI[units]]
    elif tens == 1:
        words.append("mười")
        if units:
            words.append("lăm" if units == 5 else DIGITS_VI[units])
    else:
        words += [DIGITS_VI[tens], "mươi"]
        if units:
            words.append({1: "mốt", 4: "tư", 5: "lăm"}.get(units, DIGITS_VI[units]))
    return words


def number_vi(number: int) -> str:
    """A whole number in Vietnamese words: 21 'hai mươi mốt', 2026 'hai nghìn không trăm hai
    mươi sáu', 105 'một trăm linh năm', 15 000 'mười lăm nghìn'."""
    if number < 0:
        return "âm " + number_vi(-number)
    if number == 0:
        return DIGITS_VI[0]
    groups: list[int] = []
    while number:
        groups.append(number % 1000)
        number //= 1000
    if len(groups) > len(SCALES_VI):
        return " ".join(DIGITS_VI[int(d)] for d in str(number))
    words: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            continue
        words += _hundreds_vi(group, full=bool(words))
        if SCALES_VI[index]:
            words.append(SCALES_VI[index])
    return " ".join(words)


def date_vi(day: int, month: int, year: int) -> str:
    """'ngày mười lăm tháng tư năm hai nghìn không trăm hai mươi sáu'."""
    month_word = "tư" if month == 4 else number_vi(month)
    return f"ngày {number_vi(day)} tháng {month_word} năm {number_vi(year)}"


def date_en(day: int, month: int, year: int) -> str:
    return f"{day} {MONTHS_EN[month - 1]} {year}"


def digits(text: str, language: str) -> str:
    """Digits read one by one: '091' 'không chín một'."""
    names = DIGITS_VI if language == "vi" else DIGITS_EN
    return " ".join(names[int(c)] if c.isdigit() else c for c in text)


def grouped(number: str, language: str) -> str:
    """A phone or ID number in groups read digit by digit: 10 digits 4-3-3 (0912 345 678),
    12 digits 3-3-3-3 (the ID number), others in threes."""
    sizes = {10: (4, 3, 3), 12: (3, 3, 3, 3)}.get(len(number))
    if sizes is None:
        sizes = tuple(3 for _ in range(0, len(number), 3))
    parts, start = [], 0
    for size in sizes:
        if start < len(number):
            parts.append(number[start : start + size])
        start += size
    return ", ".join(digits(part, language) for part in parts)


def code(text: str, language: str) -> str:
    """A dossier code in its groups (unit, day, kiosk and number): letters spelt, digits one
    by one, a pause between groups.  'DEMO01-261120-K010001' is 'D E M O không một, hai
    sáu, một một, hai không, K, không một, không không không một'."""
    groups: list[str] = []
    for part in text.split("-"):
        previous = ""
        for run in re.findall(r"[A-Za-z.]+|\d+", part):
            if run.isdigit() and previous == "K" and len(run) == 6:  # kiosk 01, number 0001
                groups += [digits(run[:2], language), digits(run[2:], language)]
            elif run.isdigit() and len(run) > 4:
                pairs = [run[i : i + 2] for i in range(0, len(run), 2)]
                groups += [digits(pair, language) for pair in pairs]
            elif run.isdigit():
                groups.append(digits(run, language))
            else:
                groups.append(" ".join(c for c in run if c != "."))
            previous = run
    return ", ".join(groups)


DOSSIER_CODE = re.compile(r"\b[A-Z0-9.]{2,20}-\d{6}-K\d{6}\b")
DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
FRACTION = re.compile(r"\b(\d{1,3})/(\d{1,3})\b")  # 'Câu 2/9': the second page of nine
AMOUNT = re.compile(r"\b\d{1,3}(?:\.\d{3})+\b")  # 50.000 (Vietnamese thousands separator)
LONG_NUMBER = re.compile(r"\b\d{7,}\b")
NUMBER = re.compile(r"\b\d{1,6}\b")
TIME = re.compile(r"\b(\d{1,2}):(\d{2})\b")


def speakable(text: str, language: str) -> str:
    """``text`` with its dates, codes, amounts and numbers written as they are to be said."""

    def on_date(m: re.Match[str]) -> str:
        day, month, year = int(m[1]), int(m[2]), int(m[3])
        if not (1 <= day <= 31 and 1 <= month <= 12):
            return m[0]
        return date_vi(day, month, year) if language == "vi" else date_en(day, month, year)

    text = re.sub("[\u200b\u00ad]", "", text)  # break opportunities shown codes carry
    text = DOSSIER_CODE.sub(lambda m: code(m[0], language), text)
    text = DATE.sub(on_date, text)
    text = LONG_NUMBER.sub(lambda m: grouped(m[0], language), text)
    if language != "vi":
        return text.replace("₫", " dong")
    text = TIME.sub(lambda m: f"{number_vi(int(m[1]))} giờ {number_vi(int(m[2]))}", text)
    text = FRACTION.sub(lambda m: f"{number_vi(int(m[1]))} trên {number_vi(int(m[2]))}", text)
    text = AMOUNT.sub(lambda m: number_vi(int(m[0].replace(".", ""))), text)
    text = NUMBER.sub(lambda m: number_vi(int(m[0])), text)
    return re.sub(r"\s*₫", " đồng", text)
