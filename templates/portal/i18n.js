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
      "locate": "Use where I am now", "locating": "Finding where you are…",
      "locate_failed": "Your position is not available; type the address or coordinates instead.",
      "contact.legend": "How can we reach you?", "full_name": "Your name", "email": "Email",
      "phone": "Phone", "preferred": "Send updates by",
      "channel.email": "Email", "channel.sms": "Text message (SMS)",
      "photo": "Photo (optional, JPEG or PNG, up to 10 MB)",
      "consent": "I agree that the town processes my personal data to handle this request.",
      "danger": "People are in danger (an open manhole, a fallen wire, ice on a busy path)",
      "danger.hint": "The department's manager looks at it first. In an emergency call 112.",
      "send": "Send request", "sending": "Sending…",
      "fix": "Please correct the fields marked below.",
      "failed": "The request could not be sent; nothing you typed is lost. Please try again.",
      "done.title": "Your request is registered",
      "done.number": "Request number", "done.due": "We will answer by",
      "done.link": "Follow your request", "done.keep": "Keep this link: it opens your request without a password.",
      "done.photo_failed": "The photo could not be uploaded; you can add it from the status page.",
      "status.title": "Your request", "status.title_number": "Your request № ",
      "lookup.intro": "Enter your request number. Lost the link from your confirmation? We send a one-time code to the email or phone you gave.",
      "lookup.number": "Request number", "lookup.send_code": "Send me a code", "lookup.code": "Access code",
      "lookup.code_help": "The 6-digit code we sent, or the key from your confirmation.",
      "lookup.show": "Show status", "lookup.number_first": "Enter the request number first.",
      "status.label": "Status:", "status.since": "since", "status.due": "First response expected by",
      "status.question": "Our question: ", "status.resolution": "What was done: ",
      "status.next": "Next step: ", "status.by": ", by", "status.files": "Files from us",
      "status.download": "Download ", "status.history": "What happened so far", "status.you": "You: ",
      "status.add": "Add details or answer a question", "status.send": "Send",
      "status.added": "Thank you, your message was added.", "status.loading": "Loading…",
      "survey.title": "How did we do?", "survey.legend": "Rate how your request was handled",
      "survey.poor": "1 — poor", "survey.excellent": "5 — excellent",
      "survey.comment": "Anything to add? (optional)", "survey.send": "Send rating",
      "survey.thanks": "Thank you for your rating.",
      "status.reply_by": "Please answer by ",
      "status.reply_by_after": ". Without an answer we go on with what we have, or close the request.",
      "objection.title": "Not solved?",
      "objection.intro": "If the problem is not solved, tell us by ",
      "objection.intro_after": " and we will reopen your request. Otherwise it closes on that date.",
      "objection.text": "What is still wrong?", "objection.send": "Reopen my request",
      "objection.done": "Thank you. Your request is reopened and back in work.",
      "state.received": "Received", "state.in_progress": "In progress",
      "state.needs_clarification": "We need more information", "state.awaiting_requester": "Waiting for you",
      "state.resolved": "Resolved", "state.closed": "Closed",
      "error.generic": "Something went wrong; try again.",
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
      "locate": "Указать, где я сейчас", "locating": "Определяем, где вы…",
      "locate_failed": "Местоположение недоступно; введите адрес или координаты.",
      "contact.legend": "Как с вами связаться?", "full_name": "Ваше имя", "email": "Электронная почта",
      "phone": "Телефон", "preferred": "Сообщать о ходе по",
      "channel.email": "Электронной почте", "channel.sms": "SMS",
      "photo": "Фото (необязательно, JPEG или PNG, до 10 МБ)",
      "consent": "Я согласен(на) на обработку моих персональных данных для рассмотрения обращения.",
      "danger": "Есть опасность для людей (открытый люк, оборванный провод, наледь на тропе)",
      "danger.hint": "Руководитель отдела посмотрит её первой. В экстренном случае звоните 112.",
      "send": "Отправить", "sending": "Отправляем…",
      "fix": "Пожалуйста, исправьте отмеченные поля.",
      "failed": "Не удалось отправить обращение; введённое не потеряно. Попробуйте ещё раз.",
      "done.title": "Ваше обращение зарегистрировано",
      "done.number": "Номер обращения", "done.due": "Мы ответим до",
      "done.link": "Следить за обращением", "done.keep": "Сохраните эту ссылку: она открывает обращение без пароля.",
      "done.photo_failed": "Фото не загрузилось; его можно добавить на странице обращения.",
      "status.title": "Ваше обращение", "status.title_number": "Ваше обращение № ",
      "lookup.intro": "Введите номер обращения. Потеряли ссылку из подтверждения? Мы пришлём одноразовый код на указанные почту или телефон.",
      "lookup.number": "Номер обращения", "lookup.send_code": "Прислать код", "lookup.code": "Код доступа",
      "lookup.code_help": "Шестизначный код из сообщения или ключ из подтверждения.",
      "lookup.show": "Показать статус", "lookup.number_first": "Сначала введите номер обращения.",
      "status.label": "Статус:", "status.since": "с", "status.due": "Первый ответ ожидается до",
      "status.question": "Наш вопрос: ", "status.resolution": "Что сделано: ",
      "status.next": "Следующий шаг: ", "status.by": ", срок —", "status.files": "Файлы от нас",
      "status.download": "Скачать ", "status.history": "Ход рассмотрения", "status.you": "Вы: ",
      "status.add": "Дополнить обращение или ответить на вопрос", "status.send": "Отправить",
      "status.added": "Спасибо, сообщение добавлено.", "status.loading": "Загрузка…",
      "survey.title": "Как мы справились?", "survey.legend": "Оцените, как рассмотрено обращение",
      "survey.poor": "1 — плохо", "survey.excellent": "5 — отлично",
      "survey.comment": "Хотите что-то добавить? (необязательно)", "survey.send": "Отправить оценку",
      "survey.thanks": "Спасибо за оценку.",
      "status.reply_by": "Пожалуйста, ответьте до ",
      "status.reply_by_after": ". Без ответа мы продолжим работу с тем, что есть, или закроем обращение.",
      "objection.title": "Проблема не решена?",
      "objection.intro": "Если проблема не решена, сообщите нам до ",
      "objection.intro_after": ", и мы возобновим работу. Иначе обращение будет закрыто в этот срок.",
      "objection.text": "Что всё ещё не так?", "objection.send": "Возобновить обращение",
      "objection.done": "Спасибо. Обращение возобновлено и снова в работе.",
      "state.received": "Зарегистрировано", "state.in_progress": "В работе",
      "state.needs_clarification": "Нужны уточнения", "state.awaiting_requester": "Ждём вашего ответа",
      "state.resolved": "Решено", "state.closed": "Закрыто",
      "error.generic": "Что-то пошло не так; попробуйте ещё раз.",
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
  // Pages with texts of their own (the staff console) add them before DOMContentLoaded.
  function add(more) { for (const l of Object.keys(more)) Object.assign(texts[l], more[l]); }
  window.civicdeskI18n = { t, apply, toggle, add, get lang() { return lang; } };
  document.addEventListener("DOMContentLoaded", apply);
})();
