"""Stop words per language for topic models: the commonest function words of the languages
the workbench meets most (Arabic, Persian, Urdu, Pashto, Russian, Ukrainian, English, French,
German, Turkish, Indonesian, Bosnian/Croatian/Serbian), compiled for this module. They are
normalised like the texts (:func:`workbench.text.normalise_text`), so Arabic-script variants
and diacritics match however a text was typed. scikit-learn's English list is added."""

from __future__ import annotations

import functools

STOP_WORDS: dict[str, str] = {
    "ar": "في من على إلى عن مع هذا هذه ذلك تلك التي الذي الذين هو هي هم أن إن كان كانت "
          "يكون قد لا لم لن ما ماذا كل بعد قبل بين حتى أو ثم كما أي عند منذ غير و ف ب ل "
          "يوم هناك هنا أيضا إلا بل فيه فيها منه منها عليه عليها له لها به بها",
    "fa": "و در به از که این آن را با برای است بود شد می هم یک تا بر هر ها های ای او ما "
          "شما آنها نیز اما یا چه کرد کند شود دارد باید پس همین خود",
    "ur": "کے کی کا میں سے کو نے پر اور ہے ہیں تھا تھی تھے یہ وہ جو کہ بھی ایک کر کیا "
          "گیا ہو ہوا ہوتا لیے تک اس ان",
    "ps": "د په کې او چې له ته دا هغه یو وو دي ده شو شوې شوی سره هم به تر نه وي لري",
    "ru": "и в во не что он на я с со как а то все она так его но да ты к у же вы за бы "
          "по только ее мне было вот от меня еще нет о из ему теперь когда даже ну ли "
          "если уже или ни быть был него до вас для это этой этот который которые также",
    "uk": "і й в у на з із що не як а та але це цей ця ці до за від по про для при він "
          "вона вони воно ми ви я бо чи же ще вже так його її їх який яка яке які також",
    "en": "",  # scikit-learn's list
    "fr": "le la les un une des du de d l et en à au aux ce ces cette il elle ils elles on "
          "nous vous je que qui quoi dont où ne pas plus par pour sur dans avec sans sous "
          "est sont a ont été être avoir se sa son ses leur leurs mais ou donc car y",
    "de": "der die das den dem des ein eine einer eines einem einen und oder aber in im "
          "an am auf aus bei mit nach von vom zu zum zur für über unter ist sind war "
          "waren wird werden hat haben es er sie wir ihr ich nicht auch als wie dass so "
          "noch nur sich",
    "tr": "ve ile bir bu şu o da de ki için gibi daha çok en ne mi mı mu mü ama veya "
          "ya kadar sonra önce olarak olan her ise diye",
    "id": "yang dan di ke dari ini itu dengan untuk pada adalah dalam tidak akan juga "
          "atau oleh sebagai bahwa ada karena telah sudah para saat lebih",
    "bs": "i u na je da se su za od do iz sa s o koji koja koje kao ali ili a ne to taj "
          "ta te ovo ove ovaj će bi biti bio bila jer već još",
}


@functools.cache
def stop_words() -> frozenset[str]:
    """Every language's stop words, normalised as topic texts are."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from . import normalise_texts

    words = {w for text in STOP_WORDS.values() for w in text.split()} | set(ENGLISH_STOP_WORDS)
    codes, offsets = normalise_texts(sorted(words))
    flat = codes.tobytes().decode("utf-32-le")
    return frozenset(flat[offsets[i]:offsets[i + 1]] for i in range(len(offsets) - 1)) - {""}
