// The quiz box: predict first, then reveal (quiz_view.py).
//
// The player (player.js) holds a step back when its frame carries a question and sends
// the question here (QUIZ_EVENT).  The student answers with a button, or a number for
// "within ±0.05"; "Reveal" marks the answer, says why in one line, counts it in the score
// and tells the player to show the step (REVEAL_EVENT).  The rule of a right answer is
// quiz.check's: the choice's index, or a number within the tolerance.  The score is the
// page's: this iteration's and the session's.

const QUIZ_EVENT = "backprop-explorer-quiz"
const REVEAL_EVENT = "backprop-explorer-reveal"

export function render({ model, view }) {
  if (typeof view._quizDetach === "function") { view._quizDetach() }
  const box = document.createElement("div")
  box.className = "quiz"
  const prompt = document.createElement("div")
  prompt.className = "quiz-question"
  const answers = document.createElement("div")
  answers.className = "quiz-answers"
  const result = document.createElement("div")
  result.className = "quiz-result"
  const score = document.createElement("div")
  score.className = "quiz-score"
  box.append(prompt, answers, result, score)

  let question = null, key = null, iteration = null, chosen = null
  const tally = { right: 0, asked: 0, iteration: null, iterRight: 0, iterAsked: 0 }
  const idle = "Predict first is on: Next step asks what the step will show before showing it."

  function writeScore() {
    score.textContent = tally.asked === 0 ? "" :
      `Score: ${tally.iterRight}/${tally.iterAsked} this iteration · ${tally.right}/${tally.asked} in all`
  }
  function clearAnswers() { answers.replaceChildren() }
  function button(label, kind, action) {
    const b = document.createElement("button")
    b.textContent = label
    b.className = "bk-btn bk-btn-" + kind
    b.addEventListener("click", action)
    answers.appendChild(b)
    return b
  }
  function ask(detail) {
    question = detail.ask; key = detail.key; iteration = detail.iteration; chosen = null
    prompt.innerHTML = question.text  // written by quiz.py from the numbers: no user text
    result.textContent = ""
    clearAnswers()
    let revealButton = null
    const pick = (value, b) => {
      chosen = value
      for (const other of answers.querySelectorAll("button.choice")) {
        other.classList.toggle("chosen", other === b)
      }
      revealButton.disabled = false
    }
    if (question.kind === "number") {
      const input = document.createElement("input")
      input.type = "number"
      input.step = "any"  // an estimate such as 0.593 is as good as 0.59
      input.placeholder = "your estimate"
      input.setAttribute("aria-label", "Your estimate")
      input.addEventListener("input", () => {
        const x = parseFloat(input.value)
        chosen = Number.isFinite(x) ? x : null
        revealButton.disabled = chosen == null
      })
      input.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && chosen != null) { reveal() }
        event.stopPropagation()  // typing a number is not a step key
      })
      answers.appendChild(input)
    } else {
      question.choices.forEach((label, index) => {
        const b = button(label, "default", () => pick(index, b))
        b.classList.add("choice")
      })
    }
    revealButton = button("Reveal", "primary", reveal)
    revealButton.disabled = true
    box.classList.add("asking")
  }
  function right() {
    if (question.kind === "number") { return chosen != null && Math.abs(chosen - question.answer) <= question.tolerance }
    return chosen === question.answer
  }
  function reveal() {
    if (question == null || chosen == null) { return }
    const ok = right()
    if (tally.iteration !== iteration) { tally.iteration = iteration; tally.iterRight = 0; tally.iterAsked = 0 }
    tally.asked += 1; tally.iterAsked += 1
    if (ok) { tally.right += 1; tally.iterRight += 1 }
    result.textContent = ""
    const mark = document.createElement("b")
    mark.textContent = ok ? "✓ Right. " : "✗ Not this time. "
    mark.className = ok ? "right" : "wrong"
    const why = document.createElement("span")
    why.innerHTML = question.reason  // quiz.py's, from the numbers
    result.append(mark, why)
    writeScore()
    question = null
    clearAnswers()
    box.classList.remove("asking")
    document.dispatchEvent(new CustomEvent(REVEAL_EVENT, { detail: { key, right: ok } }))
  }
  function withdraw() {
    question = null
    clearAnswers()
    result.textContent = ""
    prompt.textContent = idle
    box.classList.remove("asking")
  }
  const onQuiz = (event) => {
    const detail = event.detail
    if (detail.ask) { ask(detail) } else if (detail.withdraw) { withdraw() }
  }
  document.addEventListener(QUIZ_EVENT, onQuiz)
  const detach = () => {
    document.removeEventListener(QUIZ_EVENT, onQuiz)
    if (view._quizDetach === detach) { delete view._quizDetach }
  }
  view._quizDetach = detach
  model.on("remove", detach)
  prompt.textContent = idle
  return box
}
