import{g as e}from"./shared-C8bX1Gw2.js";document.querySelector("#note").textContent=e("main.js");
