// CivicDesk portal texts in English and Russian. Elements name their text with data-i18n
// (content) or data-i18n-placeholder; the choice is kept in localStorage.
(() => {
  const texts = {
    en: {
      "lang.switch": "Русский",
      "submit.title": "Report a problem to the town",
      "submit.intro": "Tell us what is wrong and where. You will get a number and can follow your request.",
      "topic": "Topic", "topic.choose": "Choose a topic", "subtopic": "What exactly",
      "subtopic.choose": "Choose one",
      "subject": "Short title", "description": "What happened",
      "address": "Address or landmark", "district": "District (if you know it)",
      "latitude": "Latitude (optional)", "longitude": "Longitude (optional)",
      "location.legend": "Where is it?",
      "contact.legend": "How can we reach you?", "full_name": "Your name", "email": "Email",
      "phone": "Phone", "preferred": "Send updates by",
      "channel.email": "Email", "channel.sms": "Text message (SMS)",
      "photo": "Photo (optional, JPEG or PNG, up to 10 MB)",
      "consent": "I agree that the town processes my personal data to handle this request.",
      "send": "Send request", "sending": "Sending…",
      "fix": "Please correct the fields marked below.",
      "failed": "The request could not be sent; nothing you typed is lost. Please try again.",
      "done.title": "Your request is registered",
      "done.number": "Request number", "done.due": "We will answer by",
      "done.link": "Follow your request", "done.keep": "Keep this link: it opens your request without a password.",
      "done.photo_failed": "The photo could not be uploaded; you can add it from the status page.",
    },
    ru: {
      "lang.switch": "English",
      "submit.title": "Сообщить о проблеме в администрацию",
      "submit.intro": "Расскажите, что случилось и где. Вы получите номер и сможете следить за обращением.",
      "topic": "Тема", "topic.choose": "Выберите тему", "subtopic": "Что именно",
      "subtopic.choose": "Выберите",
      "subject": "Кратко о проблеме", "description": "Что случилось",
      "address": "Адрес или ориентир", "district": "Район (если знаете)",
      "latitude": "Широта (необязательно)", "longitude": "Долгота (необязательно)",
      "location.legend": "Где это?",
      "contact.legend": "Как с вами связаться?", "full_name": "Ваше имя", "email": "Электронная почта",
      "phone": "Телефон", "preferred": "Сообщать о ходе по",
      "channel.email": "Электронной почте", "channel.sms": "SMS",
      "photo": "Фото (необязательно, JPEG или PNG, до 10 МБ)",
      "consent": "Я согласен(на) на обработку моих персональных данных для рассмотрения обращения.",
      "send": "Отправить", "sending": "Отправляем…",
      "fix": "Пожалуйста, исправьте отмеченные поля.",
      "failed": "Не удалось отправить обращение; введённое не потеряно. Попробуйте ещё раз.",
      "done.title": "Ваше обращение зарегистрировано",
      "done.number": "Номер обращения", "done.due": "Мы ответим до",
      "done.link": "Следить за обращением", "done.keep": "Сохраните эту ссылку: она открывает обращение без пароля.",
      "done.photo_failed": "Фото не загрузилось; его можно добавить на странице обращения.",
    },
  };
  const stored = localStorage.getItem("civicdesk.lang");
  let lang = stored || ((navigator.language || "en").toLowerCase().startsWith("ru") ? "ru" : "en");

  function apply() {
    document.documentElement.lang = lang;
    for (const el of document.querySelectorAll("[data-i18n]")) {
      el.textContent = t(el.dataset.i18n);
    }
    for (const el of document.querySelectorAll("[data-i18n-placeholder]")) {
      el.placeholder = t(el.dataset.i18nPlaceholder);
    }
    document.dispatchEvent(new CustomEvent("civicdesk:lang", { detail: lang }));
  }
  function t(key) { return (texts[lang] && texts[lang][key]) || texts.en[key] || key; }
  function toggle() {
    lang = lang === "en" ? "ru" : "en";
    localStorage.setItem("civicdesk.lang", lang);
    apply();
  }
  window.civicdeskI18n = { t, apply, toggle, get lang() { return lang; } };
  document.addEventListener("DOMContentLoaded", apply);
})();
